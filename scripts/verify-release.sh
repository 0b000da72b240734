#!/usr/bin/env bash
# Checks what `goreleaser release --snapshot` left in DIST: every archive and
# package is listed in checksums.txt with the right digest, the archives and
# packages carry the completions and man pages, and the binary reports the
# version goreleaser stamped into it.
set -euo pipefail
# With TARGETS=one (release-snapshot.sh one) only linux/amd64 is expected.
dist=${1:-dist}
targets=${2:-all}
cd "$dist"
fail() { echo "verify-release: $*" >&2; exit 1; }

shopt -s nullglob
if [[ $targets == one ]]; then
  archives=(spacectl-preflight_*_linux_amd64.tar.gz)
  packages=(*.deb *.rpm *.apk)
  [ "${#archives[@]}" -eq 1 ] || fail "want 1 archive (linux amd64), found: ${archives[*]}"
  [ "${#packages[@]}" -eq 3 ] || fail "want 3 packages (deb, rpm, apk for amd64), found: ${packages[*]}"
else
  archives=(spacectl-preflight_*_{linux,darwin}_{amd64,arm64}.tar.gz spacectl-preflight_*_windows_{amd64,arm64}.zip)
  packages=(*.deb *.rpm *.apk)
  [ "${#archives[@]}" -eq 6 ] || fail "want 6 archives, found: ${archives[*]}"
  [ "${#packages[@]}" -eq 6 ] || fail "want 6 packages (deb, rpm, apk x amd64, arm64), found: ${packages[*]}"
fi
for f in "${archives[@]}" "${packages[@]}"; do
  [ -f "$f" ] || fail "missing $f"
  grep -q "  $f\$" checksums.txt || fail "$f is not in checksums.txt"
done
sha256sum --quiet -c checksums.txt || fail "checksums.txt does not match the files"

listing=$(tar tzf spacectl-preflight_*_linux_amd64.tar.gz)
for want in spacectl-preflight completions/spacectl-preflight.bash completions/spacectl-preflight.zsh \
            completions/spacectl-preflight.fish completions/spacectl-preflight.ps1 man/spacectl-preflight.1.gz; do
  grep -qx "$want" <<<"$listing" || fail "the linux archive lacks $want"
done
if command -v dpkg-deb >/dev/null; then
  deb=$(dpkg-deb -c spacectl-preflight_*_amd64.deb)
  for want in ./usr/bin/spacectl-preflight ./usr/share/bash-completion/completions/spacectl-preflight \
              ./usr/share/zsh/site-functions/_spacectl-preflight ./usr/share/fish/vendor_completions.d/spacectl-preflight.fish \
              ./usr/share/man/man1/spacectl-preflight.1.gz ./usr/share/man/man1/spacectl-preflight-check.1.gz; do
    grep -q " $want\$" <<<"$deb" || fail "the deb lacks $want"
  done
fi

version=$(jq -r .version metadata.json 2>/dev/null || sed -n 's/.*"version":"\([^"]*\)".*/\1/p' metadata.json)
bin=$(ls -d spacectl-preflight_linux_amd64*/spacectl-preflight | head -1)
got=$("$bin" version -o json)
grep -q "\"version\": \"$version\"" <<<"$got" || fail "the binary says $got, want version $version"
echo "verify-release: ${#archives[@]} archive(s), ${#packages[@]} package(s), checksums, completions, man pages and version $version OK"
