#!/bin/sh
# VXLAN Studio plan for host h1 (h1)
set -e
# create bridge br-overlay
ip link add br-overlay type bridge
# mark br-overlay as ours (alias vxlan-studio:fixture-mixed)
ip link set br-overlay alias vxlan-studio:fixture-mixed
# create bridge br200
ip link add br200 type bridge
# mark br200 as ours (alias vxlan-studio:fixture-mixed)
ip link set br200 alias vxlan-studio:fixture-mixed
# create VXLAN device vxlan100 (VNI 100, point-to-point to 192.168.1.20, UDP 4789)
ip link add vxlan100 type vxlan id 100 remote 192.168.1.20 dev eth0 dstport 4789
# mark vxlan100 as ours (alias vxlan-studio:fixture-mixed)
ip link set vxlan100 alias vxlan-studio:fixture-mixed
# set MTU of vxlan100 to 1450
ip link set vxlan100 mtu 1450
# create VXLAN device vxlan200 (VNI 200, unicast mesh from 192.168.1.10, UDP 4789, no learning)
ip link add vxlan200 type vxlan id 200 local 192.168.1.10 dev eth0 dstport 4789 nolearning
# mark vxlan200 as ours (alias vxlan-studio:fixture-mixed)
ip link set vxlan200 alias vxlan-studio:fixture-mixed
# set MTU of vxlan200 to 1400
ip link set vxlan200 mtu 1400
# create VXLAN device vxlan300 (VNI 300, multicast group 239.1.1.1, UDP 4790)
ip link add vxlan300 type vxlan id 300 group 239.1.1.1 dev eth0 ttl 5 dstport 4790
# mark vxlan300 as ours (alias vxlan-studio:fixture-mixed)
ip link set vxlan300 alias vxlan-studio:fixture-mixed
# set MTU of vxlan300 to 1450
ip link set vxlan300 mtu 1450
# attach vxlan100 to bridge br-overlay
ip link set vxlan100 master br-overlay
# attach vxlan200 to bridge br200
ip link set vxlan200 master br200
# attach tap0 to bridge br200
ip link set tap0 master br200
# flood vxlan200 traffic to peer 192.168.1.20
bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.1.20
# flood vxlan200 traffic to peer 192.168.2.30
bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.2.30
# add address fd00:100::1/64 to br-overlay
ip addr add fd00:100::1/64 dev br-overlay
# add address 10.2.0.1/24 to br200
ip addr add 10.2.0.1/24 dev br200
# add address 10.3.0.1/24 to vxlan300
ip addr add 10.3.0.1/24 dev vxlan300
# bring vxlan100 up
ip link set vxlan100 up
# bring vxlan200 up
ip link set vxlan200 up
# bring vxlan300 up
ip link set vxlan300 up
# bring br-overlay up
ip link set br-overlay up
# bring br200 up
ip link set br200 up
