"""A small builder of the self-contained report page: escaped text, tables, images.

Images are referenced by relative file name, so the page opens from disk with its PNGs beside
it; every piece of text goes through :func:`html.escape`.
"""

from __future__ import annotations

import html

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; border: 1px solid #eee; }
.note { background: #fff6dd; border-left: 4px solid #e0b000; padding: 0.5em 0.8em; }
.caption { color: #555; font-size: 0.9em; }
.scroll { overflow-x: auto; }
"""


def esc(value) -> str:
    return html.escape(str(value), quote=True)


class Page:
    """Collects sections and renders one HTML document."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.parts: list[str] = []

    def heading(self, text: str) -> None:
        self.parts.append(f"<h2>{esc(text)}</h2>")

    def paragraph(self, text: str, css: str | None = None) -> None:
        cls = f' class="{esc(css)}"' if css else ""
        self.parts.append(f"<p{cls}>{esc(text)}</p>")

    def note(self, text: str) -> None:
        self.paragraph(text, "note")

    def image(self, src: str, alt: str) -> None:
        self.parts.append(f'<p><img src="{esc(src)}" alt="{esc(alt)}"></p>')

    def table(self, header: list, rows: list[list]) -> None:
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
        self.parts.append(f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>'
                          "</table></div>")

    def render(self) -> str:
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>{esc(self.title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
                f"<h1>{esc(self.title)}</h1>\n" + "\n".join(self.parts) + "\n</body>\n</html>\n")
