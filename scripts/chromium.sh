# Headless Chromium for the browser checks (scripts/check-html.sh, scripts/check-dashboard.sh),
# sourced by them: installs Debian's chromium when it is missing (needs root or sudo), and runs
# it with a throwaway profile ($chrome_profile, which the caller removes) and no network of its own.

if ! command -v chromium >/dev/null; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
chrome_profile="$(mktemp -d)"

# chrome ARGS...: headless Chromium; its own messages on stderr are dropped.
chrome() {
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$chrome_profile" "$@" 2>/dev/null
}

# screenshot PAGE PNG WIDTH,HEIGHT: a screenshot of the file PAGE, or an error and exit 1.
screenshot() {
    rm -f "$2"
    chrome --window-size="$3" --screenshot="$2" "file://$1" >/dev/null || true
    if [ ! -s "$2" ]; then
        echo "error: chromium wrote no screenshot of $1 at $3" >&2
        exit 1
    fi
}
