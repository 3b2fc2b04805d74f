#!/usr/bin/env bash
# Builds the throwaway test VM's disk image, kernel and initrd into OUT (default _output/vm),
# once: the result lives in a directory named by a hash of this script, the guest's init and the
# package list, and is reused while they are unchanged. Prints that directory.
#
#   scripts/vm/image.sh [OUT]
#
# The image is Debian bookworm from the mirror apt already uses (override with VM_MIRROR), made by
# debootstrap with containerd, runc, the CNI plugins, iptables and busybox-static, as a raw ext4
# file; the VM opens it read-only with a throwaway overlay. The initrd is our own: busybox plus the
# few modules the kernel needs to mount the root (virtio, ext4) and the 9p share.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-_output/vm}

packages=containerd,runc,containernetworking-plugins,iptables,busybox-static,linux-image-amd64,kmod,iproute2,procps,util-linux,mount
# Modules the initrd loads, with their dependencies, before the root can be mounted.
initrd_modules="virtio_pci virtio_blk ext4 9pnet_virtio 9p"

mirror=${VM_MIRROR:-}
if [[ -z $mirror ]]; then
	# The first Debian URI apt is configured with (deb822 or one-line sources).
	mirror=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -n1 || true)
	[[ -n $mirror ]] || mirror=$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -n1 || true)
	[[ -n $mirror ]] || mirror=http://deb.debian.org/debian
fi

mkdir -p "$out"
# One build at a time: a second caller waits, then finds the image built.
exec 9>"$out/.image.lock"
flock 9

hash=$(cat "$here/image.sh" "$here/guest-init" | { cat; echo "$packages $initrd_modules"; } | sha256sum | cut -c1-12)
dir=$out/image-$hash
if [[ -f $dir/done ]]; then
	echo "$dir"
	exit 0
fi
for tool in debootstrap mkfs.ext4 cpio; do
	command -v "$tool" >/dev/null || { echo "image.sh: $tool is missing (scripts/setup-host.sh --vm installs it)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "image.sh: debootstrap needs root" >&2; exit 1; }

# A new image replaces any older one (about 450 MB each).
rm -rf "$out"/image-*
mkdir -p "$dir"
work=$(mktemp -d "$out/build.XXXXXX")
trap 'umount -R "$work/root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
root=$work/root

start=$SECONDS
echo "image.sh: debootstrap bookworm from $mirror (about a minute)" >&2
# minbase and no recommends keeps the image small; the kernel's initramfs-tools dependency is
# satisfied but never used: the initrd below is our own.
if ! debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	[[ -f $root/debootstrap/debootstrap.log ]] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
	exit 1
fi

kver=$(ls "$root/lib/modules" | head -n1)
cp "$root/boot/vmlinuz-$kver" "$dir/vmlinuz"
# QEMU boots the uncompressed kernel straight at its PVH entry point, which skips decompressing it
# at every boot (about 2 s under software emulation). Debian's bzImage carries it xz-compressed.
off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$dir/vmlinuz" | head -n1 | cut -d: -f1 || true)
if [[ -n $off ]] && tail -c +"$((off + 1))" "$dir/vmlinuz" | xz -dc >"$work/vmlinux" 2>/dev/null; [[ -s $work/vmlinux ]] &&
	readelf -n "$work/vmlinux" 2>/dev/null | grep -q 'note type: (0x00000012)'; then
	mv "$work/vmlinux" "$dir/vmlinux"
fi

# Drop what a test VM never loads: hardware drivers, sound, firmware, docs, the apt cache.
moddir=$root/lib/modules/$kver/kernel
for d in drivers/gpu drivers/media drivers/net/wireless drivers/net/ethernet drivers/infiniband \
	drivers/usb drivers/staging drivers/bluetooth drivers/scsi drivers/hid drivers/input drivers/iio \
	drivers/isdn drivers/mmc drivers/mtd drivers/nfc drivers/platform drivers/hwmon drivers/edac \
	drivers/thunderbolt drivers/video drivers/atm drivers/net/can drivers/net/usb drivers/ata \
	drivers/md drivers/target drivers/nvme drivers/firewire drivers/pcmcia sound net/bluetooth \
	net/wireless net/mac80211 net/nfc net/can; do
	rm -rf "${moddir:?}/$d"
done
rm -rf "$root"/boot/initrd.img-* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
	"$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* \
	"$root"/lib/firmware
chroot "$root" depmod "$kver"

# The guest: our init as PID 1, a hostname, containerd's CNI directory pointing at Debian's plugins.
install -m 0755 "$here/guest-init" "$root/sbin/mkl-init"
echo minikubelet-vm >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 minikubelet-vm\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
mkdir -p "$root/opt/cni" "$root/mnt/vm"
ln -sfn /usr/lib/cni "$root/opt/cni/bin"
# Debian's containerd unit would start it; there is no systemd here, the guest script starts it.

# The initrd: busybox, the modules in load order, and an /init that mounts the root and hands over.
ird=$work/initrd
mkdir -p "$ird/bin" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/newroot"
cp "$root/bin/busybox" "$ird/bin/busybox"
: >"$ird/modules"
while read -r verb path _; do
	[[ $verb == insmod ]] || continue
	path=${path#"$root"}
	grep -qxF "$path" "$ird/modules" && continue
	mkdir -p "$ird$(dirname "$path")"
	cp "$root$path" "$ird$path"
	echo "$path" >>"$ird/modules"
done < <(for m in $initrd_modules; do chroot "$root" modprobe --show-depends -S "$kver" "$m"; done)
cat >"$ird/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do insmod "$m" || echo "initrd: insmod $m failed"; done </modules
i=0
until [ -b /dev/vda ]; do
	i=$((i + 1))
	[ $i -gt 500 ] && { echo "initrd: no /dev/vda"; poweroff -f; }
	sleep 0.01
done
mount -t ext4 /dev/vda /newroot || { echo "initrd: cannot mount /dev/vda"; poweroff -f; }
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/mkl-init
INIT
chmod 0755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initrd"

# The disk: ext4 filled from the tree without mounting anything, a quarter free for the tests.
size=$(du -sm "$root" | cut -f1)
mkfs.ext4 -q -F -L mkl-vm -d "$root" "$dir/rootfs.img" "$((size + size / 4 + 512))M" >&2
echo "$kver" >"$dir/kernel-version"
touch "$dir/done"
echo "image.sh: built $dir in $((SECONDS - start)) s ($(du -sh "$dir/rootfs.img" | cut -f1) disk)" >&2
echo "$dir"
