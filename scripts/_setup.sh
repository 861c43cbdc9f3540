# Shared set-up steps for scripts/run.sh and scripts/test.sh (sourced, not run).
# Everything is installed from the lock file; nothing is assumed to be on the machine but Python 3.11.

UV_VERSION="0.13.9"

ensure_uv() {
    if ! command -v uv >/dev/null 2>&1; then
        echo "› memasang uv ${UV_VERSION} / installing uv" >&2
        python3 -m pip install --quiet "uv==${UV_VERSION}" || python3 -m pip install --quiet --user "uv==${UV_VERSION}"
        export PATH="$HOME/.local/bin:$PATH"
    fi
}

ensure_postgres() {
    # Start the local cluster when it is installed but stopped (the CI machine's state after a reboot).
    if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
        if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
            echo "› menyalakan PostgreSQL / starting PostgreSQL" >&2
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
            for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
        fi
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null
}

ensure_chromium() {
    # The browser test drives Debian's Chromium through chromedriver; install them when missing and allowed.
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
        return 0
    fi
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "› memasang Chromium / installing chromium + chromium-driver" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    fi
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
}
