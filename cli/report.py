"""`partage report COMPARE_DIR`: the council report of a comparison, as HTML and PDF.

The report itself is written by `viz.report.write_report`; this module parses the
arguments and prints where the files went.
"""

from __future__ import annotations

import argparse

from cli.options import add_language_option, add_output_option


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write the council report of a comparison (HTML, and PDF from it)",
        description="Write an HTML report of a comparison made by `partage compare`, in French or "
        "English, and print it to PDF with headless Chromium.",
    )
    parser.add_argument(
        "compare_dir", metavar="COMPARE_DIR", help="directory written by partage compare"
    )
    add_language_option(parser, "the report")
    add_output_option(parser, what="output directory", default="COMPARE_DIR/report")
    parser.add_argument(
        "--pdf",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also print the report to PDF with Chromium (default: yes)",
    )
    parser.set_defaults(handler=handle)


def handle(args) -> int:
    from viz.report import write_report

    html_path, pdf_path = write_report(args.compare_dir, args.out, lang=args.lang, pdf=args.pdf)
    print(f"written: {html_path}" + (f", {pdf_path}" if pdf_path else ""))
    return 0
