# Debian package installs, and the services the tests run against, started when absent
# (sourced by scripts/test). PostgreSQL: the machine's own on 127.0.0.1:5432 (database
# `test`, trust authentication) when it answers; otherwise Debian's `postgresql` package
# is installed and started, and a `vigie` role and database are made for the tests.
# Exports VIGIE_TEST_POSTGRES, the URL the tests use. NATS: see ensure_nats.

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
    local machine_url="postgres://postgres@127.0.0.1:5432/test"
    command -v psql >/dev/null || apt_install postgresql-client
    if psql "$machine_url" -qAtc 'SELECT 1' >/dev/null 2>&1; then
        export VIGIE_TEST_POSTGRES="$machine_url"
        return
    fi
    command -v pg_ctlcluster >/dev/null || apt_install postgresql
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        local version
        version=$(ls /etc/postgresql | sort -n | tail -1)
        as_root pg_ctlcluster "$version" main start
        for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    # Peer authentication as the postgres system user, then a password role for TCP.
    as_root su postgres -c "psql -qAt" >/dev/null <<'SQL'
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vigie') THEN
        CREATE ROLE vigie LOGIN PASSWORD 'vigie';
    END IF;
END $$;
SELECT 'CREATE DATABASE vigie_test OWNER vigie'
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'vigie_test')\gexec
SQL
    export VIGIE_TEST_POSTGRES="postgres://vigie:vigie@127.0.0.1:5432/vigie_test"
}

# The queue's tests start their own NATS servers (a port and a storage directory each,
# so they can restart them): they need the nats-server binary, from Debian when absent.
ensure_nats() {
    command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || apt_install nats-server
}
