#!/usr/bin/env bash
# Puts real test photos into artifacts/test-images/ (gitignored): the sample images Debian's
# python3-skimage package ships in skimage/data/ (astronaut.png, chelsea.png, coffee.png, rocket.jpg,
# retina.jpg, hubble_deep_field.jpg, truncated.jpg, ...). The .deb is fetched with `apt-get download`
# (no install, no dependencies) and only skimage/data/*.png and *.jpg are extracted from it.
# Idempotent: once the photos are there it returns at once. Runs `apt-get update` first when the
# package is not found (a fresh machine). Run from anywhere: scripts/test-images.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
target=artifacts/test-images
package=python3-skimage
# The photos the tests use; if any is missing the folder is filled again.
needed=(astronaut.png chelsea.png coffee.png rocket.jpg retina.jpg hubble_deep_field.jpg truncated.jpg)

complete() {
    for name in "${needed[@]}"; do
        [[ -s $target/$name ]] || return 1
    done
}

if complete; then
    echo "test-images: $target has the photos"
    exit 0
fi

command -v apt-get >/dev/null || { echo "test-images: apt-get is needed to download $package" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/test-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt downloads as its unprivileged _apt user where it can: let it write here.
chmod 0777 "$work"

download() { (cd "$work" && apt-get download -q "$package" >/dev/null 2>"$work/apt.err"); }
if ! download; then
    echo "test-images: $package not found in the package lists; running apt-get update" >&2
    apt-get update -qq >/dev/null
    download || { cat "$work/apt.err" >&2; echo "test-images: cannot download $package" >&2; exit 1; }
fi

deb=$(ls "$work"/"$package"_*.deb)
mkdir -p "$target"
# Paths in the .deb are ./usr/lib/python3/dist-packages/skimage/data/NAME: keep only NAME.
dpkg-deb --fsys-tarfile "$deb" \
    | tar -x -C "$target" --strip-components=7 --wildcards \
        './usr/lib/python3/dist-packages/skimage/data/*.png' \
        './usr/lib/python3/dist-packages/skimage/data/*.jpg'
complete || { echo "test-images: $deb did not hold every photo needed: ${needed[*]}" >&2; exit 1; }
echo "test-images: $(ls "$target" | wc -l) photos from $(basename "$deb") in $target"
