#!/bin/sh
# VXLAN Studio teardown for host h1 (h1)
set -e
# detach tap0 from bridge br200
if [ "$(cat /sys/class/net/br200/ifalias 2>/dev/null)" = vxlan-studio:fixture-mixed ] && [ -e /sys/class/net/br200/brif/tap0 ]; then ip link set tap0 nomaster; fi
# delete vxlan100 (teardown of fixture-mixed)
if [ "$(cat /sys/class/net/vxlan100/ifalias 2>/dev/null)" = vxlan-studio:fixture-mixed ]; then ip link del vxlan100; fi
# delete vxlan200 (teardown of fixture-mixed)
if [ "$(cat /sys/class/net/vxlan200/ifalias 2>/dev/null)" = vxlan-studio:fixture-mixed ]; then ip link del vxlan200; fi
# delete vxlan300 (teardown of fixture-mixed)
if [ "$(cat /sys/class/net/vxlan300/ifalias 2>/dev/null)" = vxlan-studio:fixture-mixed ]; then ip link del vxlan300; fi
# delete br-overlay (teardown of fixture-mixed)
if [ "$(cat /sys/class/net/br-overlay/ifalias 2>/dev/null)" = vxlan-studio:fixture-mixed ]; then ip link del br-overlay; fi
# delete br200 (teardown of fixture-mixed)
if [ "$(cat /sys/class/net/br200/ifalias 2>/dev/null)" = vxlan-studio:fixture-mixed ]; then ip link del br200; fi
