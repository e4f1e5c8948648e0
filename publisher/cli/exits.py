"""The command line's exit codes."""

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
EXIT_LOCKED = 75  # EX_TEMPFAIL from sysexits.h: try again later
EXIT_PIPE = 141  # 128 + SIGPIPE, as shell tools give
