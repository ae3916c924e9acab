#!/usr/bin/env bash
# Mesa 25 lavapipe (software Vulkan that Dawn accepts) for WebGPU tests, without touching the system.
#
# Debian 12's own Mesa 22.3 lavapipe is rejected by Dawn ("shaderUniform*ArrayDynamicIndexing
# required"); bookworm-backports has Mesa 25. This fetches mesa-vulkan-drivers and the libdrm it
# needs from bookworm-backports, and the Vulkan loader from bookworm, with `apt-get download`
# through a private apt configuration (the system's sources and package lists are left alone),
# unpacks them into a cache folder with `dpkg -x`, writes an ICD file naming the unpacked
# libvulkan_lvp.so, and prints the environment that points a process at it:
#
#   eval "$(scripts/install-lavapipe.sh)"     # then: npm test, pcl-stream --backend webgpu ...
#
# Cache: $PCL_LAVAPIPE_DIR, default ~/.cache/pcl-stream/lavapipe (a second run only prints).
# Needs apt-get and dpkg (Debian/Ubuntu, amd64 or arm64) and the mirror the system's apt uses.
set -euo pipefail

dir=${PCL_LAVAPIPE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pcl-stream/lavapipe}
root=$dir/root
icd=$dir/lvp_icd.json
runtime=$dir/xdg-runtime

say() { echo "install-lavapipe: $*" >&2; }

if [ ! -f "$dir/.complete" ]; then
  command -v apt-get >/dev/null && command -v dpkg >/dev/null || { say "needs apt-get and dpkg (Debian or Ubuntu)"; exit 1; }
  arch=$(dpkg --print-architecture)
  # The mirror the system's own apt sources use (deb822 or one-line format).
  mirror=$(grep -hoE '^URIs:\s*\S+' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -1 || true)
  [ -n "$mirror" ] || mirror=$(grep -hoE '^deb\s+(\[[^]]*\]\s+)?\S+' /etc/apt/sources.list 2>/dev/null | awk '{print $NF}' | grep -v security | head -1 || true)
  [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
  rm -rf "$dir"; mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/partial" "$dir/debs" "$root" "$runtime"
  chmod 700 "$runtime"
  cat >"$dir/apt/sources.list" <<SRC
deb $mirror bookworm main
deb $mirror bookworm-backports main
SRC
  apt_opts=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$dir/apt/lists"
            -o "Dir::Cache=$dir/apt/cache" -o "APT::Architecture=$arch" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  say "apt-get update (private lists: bookworm, bookworm-backports on $mirror)"
  apt-get "${apt_opts[@]}" update >&2
  say "downloading mesa-vulkan-drivers, libdrm (bookworm-backports) and libvulkan1"
  (cd "$dir/debs" && apt-get "${apt_opts[@]}" download -t bookworm-backports mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 libdrm-common >&2 \
    && apt-get "${apt_opts[@]}" download libvulkan1 >&2)
  for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$root"; done
  lvp=$(find "$root" -name 'libvulkan_lvp.so' | head -1)
  [ -n "$lvp" ] || { say "libvulkan_lvp.so not found in the unpacked packages"; exit 1; }
  cat >"$icd" <<JSON
{ "file_format_version": "1.0.0", "ICD": { "library_path": "$lvp", "api_version": "1.3.0" } }
JSON
  touch "$dir/.complete"
  say "lavapipe ready in $dir"
fi

libdirs=$(find "$root" -name 'libvulkan.so.1' -printf '%h\n' | sort -u | paste -sd: -)
echo "export VK_ICD_FILENAMES='$icd'"
echo "export VK_DRIVER_FILES='$icd'"
echo "export LD_LIBRARY_PATH='$libdirs'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
echo "export XDG_RUNTIME_DIR=\${XDG_RUNTIME_DIR:-'$runtime'}"
