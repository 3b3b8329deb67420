#!/bin/sh
# VXLAN Studio plan for host host-1 (host-1)
set -e
# create bridge br-mesh
ip link add br-mesh type bridge
# mark br-mesh as ours (alias vxlan-studio:mesh)
ip link set br-mesh alias vxlan-studio:mesh
# create VXLAN device vxlan200 (VNI 200, unicast mesh from 192.168.1.11, UDP 4789)
ip link add vxlan200 type vxlan id 200 local 192.168.1.11 dev eth0 dstport 4789
# mark vxlan200 as ours (alias vxlan-studio:mesh)
ip link set vxlan200 alias vxlan-studio:mesh
# set MTU of vxlan200 to 1450
ip link set vxlan200 mtu 1450
# attach vxlan200 to bridge br-mesh
ip link set vxlan200 master br-mesh
# flood vxlan200 traffic to peer 192.168.1.12
bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.1.12
# flood vxlan200 traffic to peer 192.168.2.21
bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.2.21
# flood vxlan200 traffic to peer 192.168.2.22
bridge fdb append 00:00:00:00:00:00 dev vxlan200 dst 192.168.2.22
# add address 10.20.0.1/24 to br-mesh
ip addr add 10.20.0.1/24 dev br-mesh
# bring vxlan200 up
ip link set vxlan200 up
# bring br-mesh up
ip link set br-mesh up
