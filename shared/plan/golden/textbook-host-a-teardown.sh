#!/bin/sh
# VXLAN Studio teardown for host host-a (host-a)
set -e
# delete vxlan100 (teardown of textbook)
if [ "$(cat /sys/class/net/vxlan100/ifalias 2>/dev/null)" = vxlan-studio:textbook ]; then ip link del vxlan100; fi
# delete br-overlay (teardown of textbook)
if [ "$(cat /sys/class/net/br-overlay/ifalias 2>/dev/null)" = vxlan-studio:textbook ]; then ip link del br-overlay; fi
