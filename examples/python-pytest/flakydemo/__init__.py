"""Small functions under test, plus one piece of module-level state the order-dependent pair shares."""

# Module-level on purpose: it outlives a single test, which is what makes
# test_lookup_starts_empty depend on whether test_register_item ran first.
REGISTRY = {}


def add(a, b):
    return a + b


def mean(values):
    return sum(values) / len(values)


def slug(text):
    return "-".join(text.lower().split())


def register(name, value):
    REGISTRY[name] = value


def lookup(name):
    return REGISTRY.get(name)
