#!/usr/bin/env bash
# Windows stage: cross-build winsock-doctor.exe (the WinPE build, see docs/winpe.md) and check under
# Wine that it behaves exactly like the Linux build on the same inputs, including drive-letter paths.
#
#   .ci/windows-stage.sh
#
# Env: WINSOCK_DOCTOR_SHARED (default <repo>/../shared), WINSOCK_DOCTOR_HIVES (default
# $WINSOCK_DOCTOR_SHARED/hives), WINSOCK_DOCTOR_REQUIRE_HIVES=1 (fail instead of skipping when the
# hives are absent), WINDOWS_STAGE_KEEP=1 (keep the temp folder for a post-mortem).
# Exits 0 when every command agrees, or with one "WINDOWS STAGE DID NOT RUN" line when the Windows
# target cannot be downloaded; anything else that goes wrong exits non-zero.
set -euo pipefail

readonly TARGET=x86_64-pc-windows-gnu
readonly TIMESTAMP=2026-01-01T00:00:00Z
readonly RUN_TIMEOUT=120 # seconds per command; Wine's first start is the slow one

# The commands both builds run, one per row: CHECK ARGS...
#   exit      the exit codes must be equal
#   exit0     both runs must exit 0, and the file after --out (if any) must have been written,
#             unless both runs say "nothing written" (repair's NOTHING TO DO result)
#   json      the exit codes, and stdout as JSON with paths normalised, must be equal
#   finds:S   Wine only (drive letters have no Linux twin): stdout must mention S
# Every file a command writes must be byte-identical between the two runs, and inputs unchanged.
# Placeholders: @HIVE@ = a copy of each test hive (with its logs) in turn; @VOL@ = a Windows
# volume holding Windows/System32/config/SYSTEM (D: under Wine, a folder on Linux); @OUT@ = an empty
# output folder. A placeholder's `/` becomes `\` under Wine. A row whose subcommand the CLI does not
# have (per `help SUBCMD`) fails the stage: a row is never skipped for that.
COMMANDS=(
    'exit --version'
    'exit --help'
    'json catalog --json @HIVE@'
    'json scan --json @HIVE@'
    "exit0 repair @HIVE@ --mode reset --out @OUT@/SYSTEM.repaired --timestamp $TIMESTAMP"
    'json catalog --json @VOL@/Windows/System32/config/SYSTEM'
    'json scan --json @VOL@/'
    'json scan --json @VOL@/Windows'
    "exit0 repair @VOL@/ --mode reset --out @VOL@/Windows/System32/config/SYSTEM.repaired --timestamp $TIMESTAMP"
    'finds:D:\Windows discover'
)
# Real hives (relative to the hives folder) that @HIVE@ stands for, after the bundled hives/*.hive.
REAL_HIVES=(
    real/winxp-sp3-x86-m57/SYSTEM
    real/win7-sp1-x86/SYSTEM
    real/win10-1709-x64-dirty-with-logs/SYSTEM
)
# The hive that plays D:\Windows\System32\config\SYSTEM.
VOLUME_HIVE=real/win7-sp1-x86/SYSTEM

die() {
    echo "windows stage: FAILED: $*" >&2
    exit 1
}
say() { echo "windows stage: $*"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
shared=${WINSOCK_DOCTOR_SHARED:-$repo/../shared}
hives=${WINSOCK_DOCTOR_HIVES:-$shared/hives}
normalise="$repo/.ci/normalise_paths.py"

# --- toolchain ---------------------------------------------------------------------------------

find_wine() {
    local candidate
    for candidate in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
        [[ -n $candidate && -x $candidate ]] && {
            echo "$candidate"
            return 0
        }
    done
    return 1
}

missing_packages=()
command -v x86_64-w64-mingw32-gcc >/dev/null || missing_packages+=(gcc-mingw-w64-x86-64)
find_wine >/dev/null || missing_packages+=(wine64)
command -v python3 >/dev/null || missing_packages+=(python3)
if ((${#missing_packages[@]})); then
    command -v apt-get >/dev/null || die "missing ${missing_packages[*]} and no apt-get to install them"
    [[ $(id -u) == 0 ]] || die "missing ${missing_packages[*]}: run apt-get install -y ${missing_packages[*]} as root"
    say "installing ${missing_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_packages[@]}" >/dev/null
fi
wine=$(find_wine) || die "wine64 still missing after installing it"
wineserver=$(dirname "$wine")/wineserver
[[ -x $wineserver ]] || wineserver=$(command -v wineserver) || die "wineserver not found beside $wine"

command -v rustup >/dev/null || die "rustup not found: the Windows standard library comes from rustup"
if ! rustup target list --installed | grep -qx "$TARGET"; then
    say "adding the $TARGET target"
    rustup_rc=0
    rustup_log=$(timeout 600 rustup target add "$TARGET" 2>&1) || rustup_rc=$?
    if ((rustup_rc != 0)); then
        offline='could not download|error downloading|error sending request|timed out|dns error|could not resolve'
        reason=$(grep -m1 -iE "$offline" <<<"$rustup_log" | sed 's/^ *//') || true
        if ((rustup_rc == 124)) || [[ -n $reason ]]; then
            echo "WINDOWS STAGE DID NOT RUN: rustup target add $TARGET could not reach the Rust registry (${reason:-timed out})"
            exit 0
        fi
        die "rustup target add $TARGET: $rustup_log"
    fi
fi

# --- build ---------------------------------------------------------------------------------------

cd "$repo"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
say "building (release) for Linux and $TARGET"
cargo build --release --locked --quiet
cargo build --release --locked --quiet --target "$TARGET"
# Tests and examples must compile for Windows too (no Unix-only code outside cfg(unix)).
cargo check --all-targets --locked --quiet --target "$TARGET"
linux_bin="$target_dir/release/winsock-doctor"
exe="$target_dir/$TARGET/release/winsock-doctor.exe"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/windows-stage.XXXXXX")
tmp=$(cd "$tmp" && pwd -P)
export WINEPREFIX="$tmp/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=' # no Mono/Gecko prompts
unset DISPLAY WAYLAND_DISPLAY
cleanup() {
    timeout 30 "$wineserver" -k 2>/dev/null || true
    if [[ ${WINDOWS_STAGE_KEEP:-} == 1 ]]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# Wine 8.0 lacks ProcessPrng, which Rust's std imports; a test-only shim beside the exe provides it.
mkdir "$tmp/bin"
cp "$exe" "$tmp/bin/winsock-doctor.exe"
x86_64-w64-mingw32-gcc -shared -O2 -Wall -Werror -o "$tmp/bin/bcryptprimitives.dll" \
    tests/wine/bcryptprimitives.c tests/wine/bcryptprimitives.def -ladvapi32

say "creating a Wine prefix"
timeout 300 "$wine" wineboot -i >/dev/null 2>&1 || die "wineboot -i failed or timed out ($WINEPREFIX)"

# --- inputs --------------------------------------------------------------------------------------

# Commands read copies (each hive with its logs), never the originals: the CLI under test may have
# a bug, and read-only permissions do not stop root.
inputs="$tmp/inputs"
test_hives=()
copy_input() { # SOURCE_HIVE NAME_UNDER_INPUTS
    local dest="$inputs/$2" file
    mkdir -p "$(dirname "$dest")"
    shopt -s nocaseglob
    for file in "$1"*; do # SYSTEM, SYSTEM.LOG1, SYSTEM.LOG2...
        [[ -f $file ]] && cp "$file" "$(dirname "$dest")/"
    done
    shopt -u nocaseglob
    test_hives+=("$dest")
}
have_hives=1
if [[ ! -d $hives ]]; then
    [[ ${WINSOCK_DOCTOR_REQUIRE_HIVES:-} == 1 ]] && die "hives not found at $hives (WINSOCK_DOCTOR_REQUIRE_HIVES=1)"
    echo "!!!!! windows stage: hives not found at $hives: rows using @HIVE@ or @VOL@ are SKIPPED !!!!!"
    have_hives=0
else
    hives=$(cd "$hives" && pwd -P)
    for hive in "$repo"/hives/*.hive; do
        [[ -f $hive ]] && copy_input "$hive" "bundled/$(basename "$hive")"
    done
    for hive in "${REAL_HIVES[@]}" "$VOLUME_HIVE"; do
        [[ -f $hives/$hive ]] || die "missing $hives/$hive"
    done
    for hive in "${REAL_HIVES[@]}"; do
        copy_input "$hives/$hive" "$hive"
    done
    # The evidence rule: no command may change an input. Checked at the end.
    (cd "$inputs" && find . -type f -exec sha256sum {} +) >"$tmp/inputs.sha256"
fi

# Each run gets its own volume and output folder, rebuilt before every command, so written files
# can be compared and nothing leaks from one command into the next.
sides="$tmp/sides"
reset_sides() {
    local side
    rm -rf "$sides"
    for side in linux windows; do
        mkdir -p "$sides/$side/out" "$sides/$side/volume/Windows/System32/config"
        if ((have_hives)); then
            cp "$hives/$VOLUME_HIVE" "$sides/$side/volume/Windows/System32/config/SYSTEM"
        fi
    done
}
reset_sides
ln -s "$sides/windows/volume" "$WINEPREFIX/dosdevices/d:"

# --- checks --------------------------------------------------------------------------------------

# A Unix path as Wine sees it through Z:, which maps the root.
wine_path() { local p="Z:$1" && echo "${p//\//\\}"; }

# Sets linux_args and windows_args from the row's arguments, for one hive.
expand_args() {
    local hive=$1 word linux windows
    shift
    linux_args=() windows_args=()
    for word in "$@"; do
        linux=$word windows=$word
        if [[ $word == *@* ]]; then
            linux=${linux//@VOL@/$sides/linux/volume}
            linux=${linux//@OUT@/$sides/linux/out}
            linux=${linux//@HIVE@/$hive}
            windows=${windows//@VOL@/D:}
            windows=${windows//@OUT@/$sides/windows/out}
            windows=${windows//@HIVE@/$hive}
            windows=${windows//\//\\}
            [[ $windows == \\* ]] && windows="Z:$windows" # a Unix absolute path, through Z:
        fi
        linux_args+=("$linux")
        windows_args+=("$windows")
    done
}

run_linux() { (cd "$tmp" && timeout "$RUN_TIMEOUT" "$linux_bin" "$@" </dev/null >"$tmp/linux.out" 2>"$tmp/linux.err"); }
run_windows() { (cd "$tmp" && timeout "$RUN_TIMEOUT" "$wine" "$tmp/bin/winsock-doctor.exe" "$@" </dev/null >"$tmp/windows.out" 2>"$tmp/windows.err"); }

show_stderr() {
    local side
    for side in linux windows; do
        [[ -s $tmp/$side.err ]] && sed "s/^/      $side stderr: /" "$tmp/$side.err" | head -20
    done
    return 0
}

failures=0
checked=0 # commands compared (a row runs once per hive for @HIVE@)
fail() {
    echo "  FAIL $*"
    failures=$((failures + 1))
}

# The report's words, wherever the 80-column layout broke the line.
says_nothing_written() {
    tr -s ' \n' '  ' <"$1" | grep -qF 'nothing written'
}

# Compares one command's two runs; prints one line, and the differences on failure.
compare() {
    local check=$1 label=$2 linux_rc=$3 windows_rc=$4 ok=1
    if [[ $linux_rc != "$windows_rc" ]]; then
        fail "$label: exit code $linux_rc on Linux, $windows_rc under Wine"
        ok=0
    fi
    if [[ $check == exit0 ]]; then
        if [[ $linux_rc != 0 || $windows_rc != 0 ]]; then
            fail "$label: must exit 0, exits $linux_rc on Linux, $windows_rc under Wine"
            ok=0
        fi
        # The written file itself (the tree comparison below makes the Wine side's the same), or
        # both runs saying why there is none.
        local i
        for ((i = 0; i + 1 < ${#linux_args[@]}; i++)); do
            if [[ ${linux_args[i]} == --out && ! -f ${linux_args[i + 1]} ]] &&
                ! { says_nothing_written "$tmp/linux.out" && says_nothing_written "$tmp/windows.out"; }; then
                fail "$label: --out ${linux_args[i + 1]} was not written, and not both runs say \"nothing written\""
                ok=0
            fi
        done
    fi
    if [[ $check == json ]]; then
        if ! python3 "$normalise" --root "@VOL@=$sides/linux/volume" --root "@OUT@=$sides/linux/out" \
            <"$tmp/linux.out" >"$tmp/linux.json" 2>"$tmp/normalise.err"; then
            fail "$label: Linux stdout: $(cat "$tmp/normalise.err")"
            ok=0
        elif ! python3 "$normalise" --root "@OUT@=$sides/windows/out" \
            <"$tmp/windows.out" >"$tmp/windows.json" 2>"$tmp/normalise.err"; then
            fail "$label: Wine stdout: $(cat "$tmp/normalise.err")"
            ok=0
        elif ! diff -u --label linux --label wine "$tmp/linux.json" "$tmp/windows.json" >"$tmp/json.diff"; then
            fail "$label: JSON differs (after path normalisation):"
            head -60 "$tmp/json.diff" | sed 's/^/      /'
            ok=0
        fi
    fi
    if ! diff -r "$sides/linux" "$sides/windows" >"$tmp/files.diff"; then
        fail "$label: written files differ:"
        head -20 "$tmp/files.diff" | sed 's/^/      /'
        ok=0
    fi
    if ((have_hives)); then
        local side
        for side in linux windows; do
            cmp -s "$hives/$VOLUME_HIVE" "$sides/$side/volume/Windows/System32/config/SYSTEM" ||
                { fail "$label: the $side run changed its input volume hive" && ok=0; }
        done
    fi
    if ((ok)); then echo "  ok   $label"; else show_stderr; fi
}

# Whether the CLI has subcommand $1: `help SUBCMD` must succeed where `help <nonsense>` fails.
"$linux_bin" help no-such-subcommand-windows-stage >/dev/null 2>&1 &&
    die "'help no-such-subcommand-windows-stage' succeeds: 'help SUBCMD' cannot tell which subcommands exist"
has_subcommand() { "$linux_bin" help "$1" >/dev/null 2>&1; }

say "running ${#COMMANDS[@]} rows (Linux build vs winsock-doctor.exe under $("$wine" --version 2>/dev/null || echo Wine))"
smoke_rc=0
run_windows --version || smoke_rc=$?
((smoke_rc == 0)) || die "winsock-doctor.exe --version exits $smoke_rc under Wine; rerun with WINEDEBUG=err+module to see why"
if ((have_hives)) && ! timeout "$RUN_TIMEOUT" "$wine" cmd /c 'if exist D:\Windows\System32\config\SYSTEM (exit 0) else (exit 1)' \
    </dev/null >/dev/null 2>&1; then
    die "Wine does not see D:\\Windows\\System32\\config\\SYSTEM through $WINEPREFIX/dosdevices/d:"
fi

for row in "${COMMANDS[@]}"; do
    read -r -a words <<<"$row"
    check=${words[0]}
    args=("${words[@]:1}")
    subcommand=
    for word in "${args[@]}"; do
        [[ $word == -* ]] || {
            subcommand=$word
            break
        }
    done
    if [[ -n $subcommand ]] && ! has_subcommand "$subcommand"; then
        die "the CLI has no subcommand '$subcommand' ('help $subcommand' fails): row $row"
    fi
    if [[ $row == *@HIVE@* || $row == *@VOL@* || $check == finds:* ]] && ((!have_hives)); then
        echo "  --   SKIPPED, no hives: $row"
        continue
    fi
    row_hives=("")
    [[ $row == *@HIVE@* ]] && row_hives=("${test_hives[@]}")
    for hive in "${row_hives[@]}"; do
        expand_args "$hive" "${args[@]}"
        label=${row#* }
        label=${label//@HIVE@/${hive#"$inputs"/}}
        reset_sides
        windows_rc=0
        run_windows "${windows_args[@]}" || windows_rc=$?
        if [[ $check == finds:* ]]; then
            needle=${check#finds:}
            checked=$((checked + 1))
            if grep -qiF -e "$needle" -e "${needle//\\/\\\\}" "$tmp/windows.out"; then
                echo "  ok   $label (finds $needle)"
            else
                fail "$label: stdout under Wine does not mention $needle (exit $windows_rc)"
                sed 's/^/      stdout: /' "$tmp/windows.out" | head -20
                show_stderr
            fi
            continue
        fi
        linux_rc=0
        run_linux "${linux_args[@]}" || linux_rc=$?
        compare "$check" "$label" "$linux_rc" "$windows_rc"
        checked=$((checked + 1))
    done
done
((checked > 0)) || die "no row was checked"

if ((have_hives)) && ! (cd "$inputs" && sha256sum --check --quiet "$tmp/inputs.sha256"); then
    fail "an input hive was modified"
fi
((failures == 0)) || die "$failures difference(s) between the Linux build and winsock-doctor.exe"
say "PASS ($checked commands compared)"
