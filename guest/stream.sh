#!/bin/sh
# TCP counter stream of the COLO test guest: "<n>" every 200 ms, n = 0, 1, 2, ...
# No fork per line: `read -t` on a FIFO that nobody writes to (/tmp/never, made by
# /init) is a shell-builtin sleep.
i=0
while :; do
	echo "$i"
	i=$((i+1))
	read -t 0.2 x <> /tmp/never
done
