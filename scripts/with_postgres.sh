#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL 15 server, which is created
# for it and dropped when it ends, whatever happens (pg_virtualenv, from
# Debian's postgresql-common). The command sees the server through the
# environment libpq reads (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE),
# and ALERTGATE_REQUIRE_POSTGRES=1, so that tests fail rather than skip the
# PostgreSQL store when no server answers.
#   scripts/with_postgres.sh COMMAND [ARGS...]
set -euo pipefail
export ALERTGATE_REQUIRE_POSTGRES=1
export ALERTGATE_PG_CLUSTER=15/regress
exec pg_virtualenv -v 15 "$@"
