#!/usr/bin/env bash
# Packaging test: builds the release archive with scripts/package, unpacks it into an
# empty folder and checks what Grafana needs from it: the app at the root nesting the
# datasource and the panel (plugin.json of each, `includes` paths, module.js, logos,
# README/CHANGELOG/LICENSE), both static executables with the run bit and the right ELF
# architecture, and plugin.json against the schema's rules. Then it runs the unpacked
# executable for this machine the way Grafana does (go-plugin handshake line, gRPC
# health check, CheckHealth and QueryData with bad settings: tests/package_handshake.rs).
#
#   bash tests/package.sh          (PACKAGE_ZIP=dist/x.zip to test an archive already built)
# Prints `N passed, M failed`; exits non-zero on any failure.
# shellcheck disable=SC2317  # cleanup and the predicates run through trap and check
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok    $*"
}
bad() {
  failed=$((failed + 1))
  echo "FAIL  $*"
}
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() {
  echo "package: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit
}

work=$(mktemp -d)
plugin_pid=
cleanup() {
  if [ -n "$plugin_pid" ]; then kill "$plugin_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- build and unpack ------------------------------------------------------------------
if [ -n "${PACKAGE_ZIP:-}" ]; then
  zip=$PACKAGE_ZIP
else
  start=$SECONDS
  if zip=$(scripts/package | tail -n 1); then
    ok "scripts/package built $zip in $((SECONDS - start))s"
  else
    bad "scripts/package"
    finish
  fi
fi
version=$(sed -n '/^\[package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)
check "archive is named canarylens-app-$version.zip" [ "$(basename "$zip")" = "canarylens-app-$version.zip" ]
unpacked=$work/plugins
mkdir -p "$unpacked"
if ! unzip -q "$zip" -d "$unpacked"; then
  bad "unzip $zip"
  finish
fi
check "the archive holds one top folder, canarylens-app/" [ "$(ls -A "$unpacked")" = canarylens-app ]
root=$unpacked/canarylens-app
[ -d "$root" ] || finish

# --- layout ----------------------------------------------------------------------------
# Prints a plugin.json value (dotted path; arrays indexed by number), empty when absent.
json() {
  node -e '
    const [file, key] = process.argv.slice(1);
    let v = JSON.parse(require("fs").readFileSync(file, "utf8"));
    for (const k of key.split(".")) v = v == null ? undefined : v[k];
    process.stdout.write(v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v));
  ' "$1" "$2" 2>/dev/null
}
is() { [ "$1" = "$2" ]; }
lacks() { ! grep -q "$1" <<<"$2"; }

app=$root/plugin.json
ds=$root/datasource/plugin.json
panel=$root/panel/plugin.json
check "plugin.json is the app canarylens-app" is "$(json "$app" type)/$(json "$app" id)" app/canarylens-app
check "plugin.json version is $version" is "$(json "$app" info.version)" "$version"
includes=$(json "$app" includes)
check "includes has {type datasource, path datasource/plugin.json}" \
  grep -q '"type":"datasource"[^}]*"path":"datasource/plugin.json"' <<<"$includes"
check "includes has {type panel, path panel/plugin.json}" \
  grep -q '"type":"panel"[^}]*"path":"panel/plugin.json"' <<<"$includes"
check "datasource/plugin.json is the datasource canarylens-rollouts-datasource" \
  is "$(json "$ds" type)/$(json "$ds" id)" datasource/canarylens-rollouts-datasource
check "datasource/plugin.json declares backend true, executable gpx_canarylens" \
  is "$(json "$ds" backend)/$(json "$ds" executable)" true/gpx_canarylens
check "panel/plugin.json is the panel canarylens-canary-panel" \
  is "$(json "$panel" type)/$(json "$panel" id)" panel/canarylens-canary-panel
for dir in . datasource panel; do
  check "$dir/module.js is there" [ -s "$root/$dir/module.js" ]
  for logo in $(printf '%s\n' "$(json "$root/$dir/plugin.json" info.logos.small)" "$(json "$root/$dir/plugin.json" info.logos.large)" | sort -u); do
    check "$dir/$logo (logo) is there" [ -s "$root/$dir/$logo" ]
  done
done
for doc in README.md CHANGELOG.md LICENSE; do
  check "$doc at the root" [ -s "$root/$doc" ]
done
check "no node_modules or TypeScript sources shipped" \
  [ -z "$(find "$root" -name node_modules -o -name '*.ts' -o -name '*.tsx' | head -n 1)" ]

# --- executables -----------------------------------------------------------------------
executable=$(json "$ds" executable)
declare -A ELF=([amd64]=x86-64 [arm64]=aarch64)
for arch in amd64 arm64; do
  bin=$root/datasource/${executable}_linux_$arch
  if [ ! -f "$bin" ]; then
    bad "datasource/$(basename "$bin") is there"
    continue
  fi
  check "datasource/$(basename "$bin") has the run bit" [ -x "$bin" ]
  desc=$(file -b "$bin")
  check "$(basename "$bin") is ELF ${ELF[$arch]} ($desc)" grep -q "ELF 64-bit.*${ELF[$arch]}" <<<"$desc"
  check "$(basename "$bin") is statically linked" grep -Eq "statically linked|static-pie linked" <<<"$desc"
  check "$(basename "$bin") needs no interpreter" lacks interpreter "$desc"
  echo "      $(basename "$bin"): $(stat -c %s "$bin") bytes"
done
echo "      $(basename "$zip"): $(stat -c %s "$zip") bytes"

# --- plugin.json against the schema's rules ---------------------------------------------
check "every plugin.json follows Grafana's plugin.json schema rules" \
  node tests/package_plugin_json.mjs "$root"

# --- run it as Grafana does ------------------------------------------------------------
case $(uname -m) in
x86_64) host=amd64 ;;
aarch64 | arm64) host=arm64 ;;
*) host= ;;
esac
bin=$root/datasource/${executable}_linux_$host
if [ -z "$host" ] || [ ! -x "$bin" ]; then
  bad "an executable for this machine ($(uname -m)) to run"
  finish
fi
# 1. The raw handshake line, from the shell, within 5 s (command: the executable, or
#    an emulator and the executable).
handshake() {
  local name=$1
  shift
  local out=$work/stdout-$RANDOM line=
  (cd "$work" && exec env grafana_plugin_type=datasource PLUGIN_PROTOCOL_VERSIONS=2 "$@" >"$out" 2>"$out.err") &
  plugin_pid=$!
  for _ in $(seq 50); do
    line=$(head -n 1 "$out" 2>/dev/null)
    [ -n "$line" ] && break
    sleep 0.1
  done
  check "$name prints 1|2|tcp|127.0.0.1:PORT|grpc within 5 s (got \"$line\")" \
    grep -Eqx '1\|2\|tcp\|127\.0\.0\.1:[0-9]+\|grpc' <<<"$line"
  check "$name is still running after the handshake" kill -0 "$plugin_pid"
  kill "$plugin_pid" 2>/dev/null
  wait "$plugin_pid" 2>/dev/null
  plugin_pid=
}
handshake "$(basename "$bin")" "$bin"
# The other architecture's executable, when an emulator is at hand (qemu-user-static).
if [ "$host" = amd64 ]; then
  qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
  arm=$root/datasource/${executable}_linux_arm64
  if [ -n "$qemu" ] && [ -x "$arm" ]; then
    handshake "$(basename "$arm") (under $(basename "$qemu"))" "$qemu" "$arm"
  else
    echo "skip  $(basename "$arm") not run: no qemu-aarch64 (Debian: qemu-user-static)"
  fi
fi
# 2. gRPC: health check, CheckHealth and QueryData with bad settings (Rust harness).
check "$(basename "$bin") answers gRPC as Grafana calls it (cargo test --test package_handshake)" \
  env CANARY_LENS_PACKAGED_BIN="$bin" cargo test --locked --quiet --test package_handshake -- --ignored --nocapture

finish
