# Shared set-up steps for scripts/run.sh and scripts/test.sh (sourced, not run).
# Everything is installed from the lock file; nothing is assumed to be on the machine but Python 3.11.

UV_VERSION="0.13.9"

ensure_uv() {
    # uv from PATH, else from a private virtual environment of this user's (no root, no system pip): Debian 12/13
    # and Ubuntu 24.04 mark the system Python "externally managed" (PEP 668) and refuse `pip install` outside one.
    local venv="${JSIKA_UV_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/jsika/uv-venv}"
    if command -v uv >/dev/null 2>&1; then
        return 0
    fi
    if [ -x "$venv/bin/uv" ]; then
        export PATH="$venv/bin:$PATH"
        return 0
    fi
    echo "› memasang uv ${UV_VERSION} ke ${venv} / installing uv into a private virtual environment" >&2
    if python3 -m venv "$venv" >/dev/null 2>&1 && "$venv/bin/python" -m pip install --quiet "uv==${UV_VERSION}"; then
        export PATH="$venv/bin:$PATH"
        return 0
    fi
    rm -rf "$venv"
    # No venv module (Debian's python3-venv not installed): pip --user still works where pip is not refused.
    if python3 -m pip install --quiet --user "uv==${UV_VERSION}" >/dev/null 2>&1; then
        export PATH="$HOME/.local/bin:$PATH"
        return 0
    fi
    echo "! uv tidak bisa dipasang. Pasang python3-venv (sudo apt install python3-venv) atau uv sendiri" \
        "(https://docs.astral.sh/uv/), lalu ulangi / cannot install uv: install python3-venv or uv, then retry" >&2
    return 1
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
        # Wait for the dpkg lock (unattended-upgrades, another apt) instead of failing at once.
        apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null &&
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium chromium-driver >/dev/null
    fi
    [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]
}
