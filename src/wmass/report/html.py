"""Static HTML of the report: one self-contained page (inline CSS, no external URL), images by relative path.

A tiny inline script records, once the page has loaded, how many images loaded and how many are
broken in ``<body data-images-loaded=... data-images-broken=...>`` (checked by the headless-browser test).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["figure", "section", "page"]

_CSS = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
h1 { border-bottom: 2px solid #444; } h2 { border-bottom: 1px solid #aaa; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eee; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; max-width: 900px; }
.wide img { width: 1350px; }
.pass { color: #186a18; font-weight: bold; } .fail { color: #b00; font-weight: bold; }
.st-open { color: #186a18; font-weight: bold; } .st-refused { color: #b00; font-weight: bold; }
.note { background: #f6f6e8; border-left: 4px solid #cc9; padding: 0.5em 1em; }
nav a { margin-right: 1em; }
"""

_SCRIPT = """
window.addEventListener("load", function () {
  var imgs = document.images, ok = 0, bad = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; } else { bad++; }
  }
  document.body.setAttribute("data-images-loaded", String(ok));
  document.body.setAttribute("data-images-broken", String(bad));
});
"""


def figure(src: str, caption: str, wide: bool = False) -> str:
    """An <img> (relative path ``src``) with its caption, used as alt text too."""
    c = html.escape(caption)
    return (f'<figure class="{"wide" if wide else ""}"><img src="{html.escape(src)}" alt="{c}" loading="eager">'
            f"<figcaption>{c}</figcaption></figure>")


def section(anchor: str, title: str, parts: Sequence[str], level: int = 2) -> str:
    """A titled section made of HTML parts."""
    return f'<section id="{html.escape(anchor)}"><h{level}>{html.escape(title)}</h{level}>\n' + "\n".join(parts) + "</section>"


def page(title: str, nav: Sequence[tuple[str, str]], body: Sequence[str]) -> str:
    """The whole page; ``nav`` = (anchor, label) links at the top."""
    links = " ".join(f'<a href="#{html.escape(a)}">{html.escape(t)}</a>' for a, t in nav)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style><script>{_SCRIPT}</script></head>\n"
            f"<body><h1>{html.escape(title)}</h1><nav>{links}</nav>\n" + "\n".join(body) + "\n</body></html>\n")
