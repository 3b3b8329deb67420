#!/bin/sh
# VXLAN Studio plan for host host-a (host-a)
set -e
# create bridge br-overlay
ip link add br-overlay type bridge
# mark br-overlay as ours (alias vxlan-studio:textbook)
ip link set br-overlay alias vxlan-studio:textbook
# create VXLAN device vxlan100 (VNI 100, point-to-point to 192.168.1.20, UDP 4789)
ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789
# mark vxlan100 as ours (alias vxlan-studio:textbook)
ip link set vxlan100 alias vxlan-studio:textbook
# set MTU of vxlan100 to 1450
ip link set vxlan100 mtu 1450
# attach vxlan100 to bridge br-overlay
ip link set vxlan100 master br-overlay
# add address 10.0.0.1/24 to br-overlay
ip addr add 10.0.0.1/24 dev br-overlay
# bring vxlan100 up
ip link set vxlan100 up
# bring br-overlay up
ip link set br-overlay up
