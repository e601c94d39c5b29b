"""One module per generated README table; each registers its renderer with ``register_table``."""
