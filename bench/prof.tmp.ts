import { TopologySchema } from '../shared/model';
import { compilePlan } from '../shared/plan';
const hosts=1000; const kinds=['multicast','multicast','unicast-mesh','unicast-mesh'] as const;
const u=(i:number)=>`172.${16 + Math.floor(i / 62500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
const t = TopologySchema.parse({format:1,id:'b',name:'b',hosts:Array.from({length:hosts},(_,i)=>({id:`h${i}`,name:`h${i}`,ssh:{host:'x'},underlay:{interface:'eth0',address:u(i),mtu:1500},bridges:kinds.map((_,s)=>`br${s}`)})),
segments:kinds.map((mode,s)=>({id:`s${s}`,name:`s${s}`,vni:1000+s,flood: mode==='multicast'?{mode,group:`239.1.${s}.1`,ttl:8}:{mode},subnet:`10.${s}.0.0/16`})),
memberships:kinds.flatMap((mode,s)=>Array.from({length: mode==='multicast'?hosts:100},(_,i)=>({id:`m${s}-${i}`,hostId:`h${i}`,segmentId:`s${s}`,bridge:`br${s}`,address:`10.${s}.${Math.floor(i/250)}.${i%250+1}/16`})))});
for (let r=0;r<15;r++){ const t0=performance.now(); compilePlan(t); console.log((performance.now()-t0).toFixed(1)); }
