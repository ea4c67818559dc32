"""Built-in optional modules, one package each (``plugins/<name>/``), listed in
``portal.plugins.BUILTIN_PLUGINS``. ``tests/fixture_plugins/example`` shows every hook; the README's
"The plugin contract" says what a plugin owns (models with its name as table prefix, a blueprint,
templates, static files, an Alembic branch, tests)."""
