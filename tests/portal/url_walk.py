"""Walk the URL configuration: every named pattern, with its namespace and whether it takes parameters."""

from django.urls import URLPattern, URLResolver, get_resolver

SKIPPED_PREFIXES = ("admin/", "i18n/")


def _parameters(pattern) -> set[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters is not None:
        return set(converters)
    return set(pattern.pattern.regex.groupindex)


def named_patterns(resolver=None, namespace="", prefix="", inherited=frozenset()):
    """Yield (name, route, parameters) for every named URL pattern outside admin/ and i18n/."""
    resolver = resolver or get_resolver("portal.urls")
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        parameters = set(inherited) | _parameters(pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern, inner, route, frozenset(parameters))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", route, parameters


def patterns_with_ids() -> dict[str, set[str]]:
    """Named patterns whose route takes at least one parameter (an object id, a token...)."""
    return {name: parameters for name, _route, parameters in named_patterns() if parameters}
