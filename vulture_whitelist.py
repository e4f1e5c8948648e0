"""Names vulture (``make lint``) reports as unused that are used, each with its reason.

A name used only by the tests is dead code: remove it instead of listing it here.
"""

# Parameters a protocol requires (``__exit__``, signal handlers) and never reads.
tb
frame
# Attributes read by the libraries they belong to.
_.row_factory  # sqlite3: rows come back as sqlite3.Row
_.max_redirects  # requests: robots.txt follows at most five redirects (RFC 9309)
# The scheduler's plan (next run and trigger per source): read by tests/test_schedule.py
# only; kept until `publisher status` shows it (see the report of branch testinfra).
_.next_runs
_.triggers
# Registered by name ("module:function" in render.OUTPUTS), imported on first use.
atom
rss
_.__call__  # the Renderer protocol
# Attributes read by the libraries they belong to.
_.maxstring  # reprlib.Repr settings (config messages quote short values)
_.maxother
_.maxlevel
_.ConnectionCls  # urllib3 pools build their connections from it (netguard)
_.pool_classes_by_scheme  # urllib3's PoolManager picks a pool class by scheme (netguard)
_.preserve_quotes  # ruamel.yaml: init --write keeps the file's quoting
_.due_job  # a Procrastinate periodic task, registered by its decorators (worker)
# The commands, found by name (cmd_<name> in the module cli.COMMANDS names) when they run.
cmd_run
cmd_repair
cmd_schedule
cmd_worker
cmd_validate
cmd_status
cmd_schema
cmd_init
cmd_preview
# Module __getattr__ (PEP 562): names imported on first use (the version; render's view).
__getattr__
# logging.LogRecord fields a worker fills in before its records are sent back (pool).
_.msg
_.exc_text
