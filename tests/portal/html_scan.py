"""Find inline code in rendered HTML: what a Content-Security-Policy without 'unsafe-inline' would block."""

from html.parser import HTMLParser

DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class _Scanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        for name in names:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…> event handler attribute")
        if "style" in names:
            self.found.append(f"<{tag} style=…> style attribute")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and "src" not in names and (names.get("type") or "").lower() not in DATA_SCRIPT_TYPES:
            self.found.append("<script> without src")
        for name in ("href", "src", "action", "formaction"):
            if (names.get(name) or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")


def inline_code(html: str) -> list[str]:
    """Every inline script, event handler, style attribute or element, and javascript: URL in the page."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found
