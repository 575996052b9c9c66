"""A real HTTP server on 127.0.0.1 with the OpenAI files + batches API, for batch tests.

It implements the subset ``BatchingBackend`` uses (``POST /v1/files`` multipart, ``POST
/v1/batches``, ``GET /v1/batches[/{id}]``, ``POST /v1/batches/{id}/cancel``, ``GET
/v1/files/{id}/content``) and executes each batch for real: a worker thread sends every
line's body to an upstream chat endpoint (a scripted server or ``llama_cpp.server``) and
writes the answers to output and error files, in reverse order, since providers do not
keep the input order. Every other request is proxied to the upstream unchanged, so the
same base URL also serves ``/models`` and direct (fallback) chat calls.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class BatchJob:
    """A submitted batch: its record as the API returns it, and the request lines."""

    record: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Behaviour:
    """How the server misbehaves, set by a test before the requests arrive."""

    no_batches: bool = False
    """Answer 404 on every ``/v1/batches`` route (a provider without a batch API)."""
    no_files: bool = False
    """Answer 405 on ``POST /v1/files`` only (listing batches still works)."""
    end_status: str = "completed"
    """Status a batch ends in; ``failed``/``expired``/``cancelled`` skip the execution."""
    hold: bool = False
    """Leave batches ``in_progress`` forever (a polling-timeout test)."""
    step_delay_s: float = 0.05
    """Pause before each status change, so clients see ``validating``/``in_progress``."""


class BatchServer:
    """Serve the batch API on a free loopback port, executing lines against ``upstream``."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.behaviour = Behaviour()
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, BatchJob] = {}
        self.requests: list[str] = []
        """``"METHOD /path"`` of every request received, in order."""
        self._lock = threading.Lock()
        self._ids = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> BatchServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}-{self._ids}"

    def add_file(self, data: bytes, purpose: str, filename: str) -> dict[str, Any]:
        file_id = self.new_id("file")
        self.files[file_id] = data
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }

    def create_batch(self, params: dict[str, Any]) -> dict[str, Any]:
        batch_id = self.new_id("batch")
        data = self.files[params["input_file_id"]]
        job = BatchJob(
            record={
                "id": batch_id,
                "object": "batch",
                "endpoint": params["endpoint"],
                "completion_window": params["completion_window"],
                "input_file_id": params["input_file_id"],
                "created_at": int(time.time()),
                "status": "validating",
            },
            lines=[json.loads(line) for line in data.decode().splitlines() if line.strip()],
        )
        self.batches[batch_id] = job
        threading.Thread(target=self._execute, args=(job,), daemon=True).start()
        return dict(job.record)

    def _execute(self, job: BatchJob) -> None:
        time.sleep(self.behaviour.step_delay_s)
        job.record["status"] = "in_progress"
        if self.behaviour.hold:
            return
        if self.behaviour.end_status != "completed":
            time.sleep(self.behaviour.step_delay_s)
            job.record["errors"] = {
                "object": "list",
                "data": [{"code": "server_error", "message": "the batch worker crashed"}],
            }
            job.record["status"] = self.behaviour.end_status
            return
        output: list[str] = []
        errors: list[str] = []
        for line in job.lines:
            status, body, _ = self.forward("POST", "/chat/completions", json.dumps(line["body"]))
            entry = {
                "id": self.new_id("resp"),
                "custom_id": line["custom_id"],
                "response": {"status_code": status, "request_id": "", "body": json.loads(body)},
                "error": None,
            }
            (output if status == 200 else errors).append(json.dumps(entry))
        for name, lines in (("output_file_id", output), ("error_file_id", errors)):
            if lines:
                data = "".join(f"{x}\n" for x in reversed(lines)).encode()
                job.record[name] = self.add_file(data, "batch_output", "out.jsonl")["id"]
        job.record["request_counts"] = {
            "total": len(job.lines),
            "completed": len(output),
            "failed": len(errors),
        }
        job.record["status"] = "completed"

    def forward(self, method: str, path: str, body: str | None) -> tuple[int, bytes, str]:
        """Send one request to the upstream; return its status, body and content type."""
        request = urllib.request.Request(
            self.upstream + path,
            data=body.encode() if body is not None else None,
            method=method,
            headers={"Content-Type": "application/json", "Authorization": "Bearer x"},
        )
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), exc.headers["Content-Type"] or ""


def _parse_multipart(content_type: str, data: bytes) -> dict[str, tuple[str, bytes]]:
    """Fields of a multipart/form-data body as name -> (filename, bytes)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + data
    )
    fields: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = (part.get_filename() or "", payload)
    return fields


def _handler_for(owner: BatchServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes | dict[str, Any], ctype: str = "") -> None:
            data = json.dumps(body).encode() if isinstance(body, dict) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _not_found(self) -> None:
            error = {"message": f"no route {self.path}", "type": "invalid_request_error"}
            self._send(404, {"error": error})

        def _route(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = self.path.split("?", 1)[0]
            owner.requests.append(f"{self.command} {path}")
            parts = path.strip("/").split("/")[1:]  # without the leading "v1"
            behaviour = owner.behaviour
            if parts[:1] == ["batches"] and behaviour.no_batches:
                return self._not_found()
            if self.command == "POST" and parts == ["files"]:
                if behaviour.no_files:
                    return self._send(405, {"error": {"message": "Method Not Allowed"}})
                fields = _parse_multipart(self.headers["Content-Type"], raw)
                purpose = fields["purpose"][1].decode()
                filename, data = fields["file"]
                return self._send(200, owner.add_file(data, purpose, filename))
            if self.command == "GET" and len(parts) == 3 and parts[::2] == ["files", "content"]:
                if parts[1] not in owner.files:
                    return self._not_found()
                return self._send(200, owner.files[parts[1]], "application/octet-stream")
            if self.command == "POST" and parts == ["batches"]:
                return self._send(200, owner.create_batch(json.loads(raw)))
            if self.command == "GET" and parts == ["batches"]:
                data = [dict(job.record) for job in owner.batches.values()]
                return self._send(200, {"object": "list", "data": data, "has_more": False})
            if parts[:1] == ["batches"] and parts[1:2] and parts[1] in owner.batches:
                job = owner.batches[parts[1]]
                if parts[2:] == ["cancel"]:
                    job.record["status"] = "cancelled"
                return self._send(200, dict(job.record))
            forwarded = owner.forward(self.command, "/" + "/".join(parts), raw.decode() or None)
            return self._send(*forwarded)

        def do_GET(self) -> None:
            self._route()

        def do_POST(self) -> None:
            self._route()

    return Handler
