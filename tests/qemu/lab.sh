# The emulated lab machine of the ssh tests, sourced after tests/qemu/lib.sh:
# one qemu-system-aarch64 (virt, TCG) booting a 6.12 kernel of the cache
# with an initramfs of Debian's arm64 busybox-static and dropbear, a
# persistent ext4 disk at /lab (the agent's directory lives there, so it
# survives kexec), user networking with sshd forwarded on 127.0.0.1 only,
# and a QEMU monitor socket the power command resets the machine through.
# Its /init counts boots in /lab/boots.

LAB_DEBS="${HARNESS_CACHE:-$HOME/.cache/harness}/debs"

# lab_debs: the arm64 .debs (scripts/install-deps ssh fetches them).
lab_debs() {
	for _p in dropbear-bin busybox-static; do
		ls "$LAB_DEBS"/${_p}_*_arm64.deb >/dev/null 2>&1 || {
			echo "no $_p arm64 .deb in $LAB_DEBS: run scripts/install-deps ssh" >&2; return 1; }
	done
}

# lab_libs FILE...: the arm64 libraries they need, recursively.
lab_libs() {
	_todo="$*" _seen=""
	while [ -n "$_todo" ]; do
		set -- $_todo; _f=$1; shift; _todo="$*"
		for _n in $(aarch64-linux-gnu-readelf -d "$_f" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
			case " $_seen " in *" $_n "*) continue ;; esac
			_seen="$_seen $_n"
			for _d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
				[ -e "$_d/$_n" ] && { _todo="$_todo $_d/$_n"; echo "$_d/$_n"; break; }
			done
		done
	done
}

# lab_make DIR: DIR/{initrd.cpio, lab.img, id, id.pub, known_hosts.key}.
lab_make() {
	_L=$1
	mkdir -p "$_L/x" "$_L/root/bin" "$_L/root/usr/sbin" "$_L/root/lib/aarch64-linux-gnu" \
		"$_L/root/etc/dropbear" "$_L/root/root/.ssh" "$_L/disk" || return 1
	for _deb in "$LAB_DEBS"/dropbear-bin_*_arm64.deb "$LAB_DEBS"/busybox-static_*_arm64.deb; do
		dpkg-deb -x "$_deb" "$_L/x" || return 1
	done
	cp "$_L/x/bin/busybox" "$_L/root/bin/" && cp "$_L/x/usr/sbin/dropbear" "$_L/root/usr/sbin/" || return 1
	for _lib in $(lab_libs "$_L/x/usr/sbin/dropbear"); do
		cp -L "$_lib" "$_L/root/lib/aarch64-linux-gnu/" || return 1
	done
	cp -L /lib/ld-linux-aarch64.so.1 "$_L/root/lib/" || return 1
	# The host key, made by Debian's arm64 dropbearkey under qemu-user;
	# its public half is what known_hosts must hold.
	qemu-aarch64-static -L / "$_L/x/usr/bin/dropbearkey" -t ed25519 \
		-f "$_L/root/etc/dropbear/dropbear_ed25519_host_key" >"$_L/hostkey.out" 2>&1 || return 1
	grep '^ssh-ed25519 ' "$_L/hostkey.out" | cut -d' ' -f1,2 >"$_L/known_hosts.key"
	ssh-keygen -q -t ed25519 -N '' -C harness-test -f "$_L/id" || return 1
	cp "$_L/id.pub" "$_L/root/root/.ssh/authorized_keys"
	chmod 700 "$_L/root/root" "$_L/root/root/.ssh"
	chmod 600 "$_L/root/root/.ssh/authorized_keys"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$_L/root/etc/passwd"
	cat >"$_L/root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /lab /var/tmp /usr/bin /sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /sys/fs/cgroup /dev/pts
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mount -t devpts devpts /dev/pts
mount -t ext4 /dev/vda /lab
echo "$(cat /proc/sys/kernel/random/boot_id) $(uname -r) $(cat /proc/cmdline)" >>/lab/boots
sync
ip link set lo up
ip addr add 10.0.2.15/24 dev eth0
ip link set eth0 up
ip route add default via 10.0.2.2
echo "lab: boot $(wc -l </lab/boots) up: $(uname -r)" >/dev/console
# sshd, started again when it dies (as a service manager would).
while :; do
	dropbear -F -E -s -p 22 -r /etc/dropbear/dropbear_ed25519_host_key 2>>/lab/dropbear.log
	sleep 1
done
INIT
	chmod 755 "$_L/root/init"
	(cd "$_L/root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$_L/initrd.cpio" || return 1
	truncate -s 1G "$_L/lab.img" && mke2fs -q -F -t ext4 -L lab "$_L/lab.img"
}

# lab_start DIR IMAGE PORT: boot it (in the background); LAB_PID.
lab_start() {
	qemu-system-aarch64 -M virt -cpu neoverse-n1 -m 2G -smp 2 -nodefaults -display none \
		-serial "file:$1/console.log" -kernel "$2" -initrd "$1/initrd.cpio" \
		-append "console=ttyAMA0 rdinit=/init harness.lab=first" \
		-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$3-:22" -device virtio-net-device,netdev=n0 \
		-drive "file=$1/lab.img,format=raw,if=none,id=d0,cache=unsafe" -device virtio-blk-device,drive=d0 \
		-monitor "unix:$1/monitor.sock,server,nowait" </dev/null >"$1/qemu.out" 2>&1 &
	LAB_PID=$!
}

# lab_ssh DIR PORT CMD...: a command on the lab machine.
lab_ssh() {
	_L=$1 _P=$2; shift 2
	ssh -F /dev/null -T -o BatchMode=yes -o StrictHostKeyChecking=yes \
		-o UserKnownHostsFile="$_L/known_hosts" -o ConnectTimeout=5 -i "$_L/id" -p "$_P" \
		-l root 127.0.0.1 "$@"
}

# lab_wait DIR PORT SECONDS: until it answers.
lab_wait() {
	_end=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$_end" ]; do
		lab_ssh "$1" "$2" true 2>/dev/null && return 0
		sleep 2
	done
	return 1
}

# A free TCP port on 127.0.0.1.
lab_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
