# Sourced by the wasm32 build scripts. rustup cannot download the wasm32 standard library
# on this offline machine, so builds use the nightly toolchain with -Zbuild-std and the
# standard library's sources from Debian's rust-src package, fetched once into a cache
# through a private apt configuration (nothing system-wide changes). Sets `wasm_library`
# to the sources' `library/` folder, or exits 2 when there is no nightly toolchain.
# See ../shared/notes/bevy-builds.md.

cache="${AGENTHQ_CACHE:-$HOME/.cache/agenthq}"

wasm_std() {
    local src="$cache/rust-src"
    if ! rustup run nightly rustc --version >/dev/null 2>&1; then
        echo "no nightly toolchain installed; cannot build for wasm32 here" >&2
        exit 2
    fi
    if ! ls -d "$src"/usr/src/rustc-*/library >/dev/null 2>&1; then
        echo "fetching Debian's rust-src into $src" >&2
        local apt_dir="$cache/apt"
        mkdir -p "$apt_dir/lists" "$apt_dir/cache" "$src"
        echo "deb http://deb.debian.org/debian forky main" > "$apt_dir/sources.list"
        local apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
                        -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
        apt-get "${apt_opts[@]}" update -q >/dev/null
        (cd "$apt_dir" && apt-get "${apt_opts[@]}" download rust-src/forky >/dev/null 2>&1)
        dpkg-deb --fsys-tarfile "$apt_dir"/rust-src_*.deb | tar -x -C "$src" --wildcards './usr/src/rustc-*/library/*'
        rm -f "$apt_dir"/rust-src_*.deb
    fi
    wasm_library=$(ls -d "$src"/usr/src/rustc-*/library | head -n 1)
}

# Runs cargo for wasm32-unknown-unknown: stable with the target when rustup has it,
# otherwise nightly with -Zbuild-std from the cached sources.
wasm_cargo() {
    if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        cargo "$@" --target wasm32-unknown-unknown
    else
        wasm_std
        __CARGO_TESTS_ONLY_SRC_ROOT="$wasm_library" \
            cargo +nightly "$@" --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
    fi
}
