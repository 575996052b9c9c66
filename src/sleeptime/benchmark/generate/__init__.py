"""Fresh GSM-Symbolic problems from the upstream templates, offline and seeded.

``generate_variant`` draws instances from ``templates/{symbolic,p1,p2}`` with a safe
expression evaluator (an AST whitelist, never ``eval``), and ``write_variant`` writes them
in upstream's ``generated_data`` format so ``load_gsm_symbolic`` reads them unchanged.
``validate`` checks every template against its own defaults and generated P2 against the
shipped file. Output is CC BY-NC-ND derived data: it is never written into the repository.
"""

from sleeptime.benchmark.generate.evaluator import (
    Evaluator,
    ExpressionError,
    UnsafeExpressionError,
)
from sleeptime.benchmark.generate.generate import (
    GENERATOR_VERSION,
    VariantResult,
    check_out_dir,
    generate_variant,
    parse_selection,
    write_meta,
    write_variant,
)
from sleeptime.benchmark.generate.template import (
    VARIANT_FOLDERS,
    Template,
    TemplateError,
    load_templates,
    parse_template,
)
from sleeptime.benchmark.generate.validate import Validation, validate

__all__ = [
    "GENERATOR_VERSION",
    "VARIANT_FOLDERS",
    "Evaluator",
    "ExpressionError",
    "Template",
    "TemplateError",
    "UnsafeExpressionError",
    "Validation",
    "VariantResult",
    "check_out_dir",
    "generate_variant",
    "load_templates",
    "parse_selection",
    "parse_template",
    "validate",
    "write_meta",
    "write_variant",
]
