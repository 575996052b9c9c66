"""When a growing context is cheaper to rethink from its previous notes.

A conversation or a log gets new revisions that extend the previous text. If the previous
revision has notes, rethinking only the appended part from those notes reads the new
part plus the notes instead of the whole text. It is chosen when that is smaller; the
run records where it started (``details["incremental"]``), and a revision that is not a
pure extension is always slept on whole.
"""

from __future__ import annotations

from sleeptime.errors import NotFoundError
from sleeptime.sleep.runner import Appended
from sleeptime.store import ArtifactRecord, RevisionRecord, Store


def incremental_base(store: Store, revision: RevisionRecord) -> ArtifactRecord | None:
    """The previous revision's notes, if ``revision`` extends it and starting from them
    is cheaper than reading the whole text; else None."""
    if revision.seq <= 1:
        return None
    revisions = store.list_revisions(revision.context_id)
    previous = next((r for r in revisions if r.seq == revision.seq - 1), None)
    if previous is None or not revision.text.startswith(previous.text):
        return None
    artifact = store.latest_artifact(previous.id)
    if artifact is None:
        return None
    appended = len(revision.text) - len(previous.text)
    if appended + artifact.n_chars >= len(revision.text):
        return None
    return artifact


def appended_for(store: Store, revision: RevisionRecord, artifact_id: int) -> Appended:
    """Rebuild the incremental input of a queued run; NotFoundError if it no longer holds."""
    artifact = store.get_artifact(artifact_id)
    previous = store.get_revision(artifact.revision_id)
    if previous.context_id != revision.context_id or not revision.text.startswith(previous.text):
        raise NotFoundError(
            f"artifact {artifact_id} is not the notes of an earlier part of this revision"
        )
    return Appended(
        text=revision.text[len(previous.text) :].lstrip("\n"),
        notes=artifact.text,
        artifact_id=artifact.id,
    )
