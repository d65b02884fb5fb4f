// k6 load for the Canary Lens demo: a steady request rate against the podinfo Service,
// spread over a few endpoints, so both the stable and the canary pods see traffic.
// Settings come from the environment of the loadgen Deployment (demo/k8s/30-loadgen.yaml).
import http from 'k6/http';

const target = __ENV.TARGET_URL || 'http://podinfo.canary-demo.svc.cluster.local:9898';
const rate = Number(__ENV.REQUESTS_PER_SECOND || '20');
const paths = ['/', '/api/info', '/version', '/env', '/headers'];

export const options = {
  discardResponseBodies: true,
  noConnectionReuse: true,
  summaryTrendStats: ['avg', 'p(90)', 'p(99)'],
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      rate: rate,
      timeUnit: '1s',
      duration: __ENV.DURATION || '24h',
      preAllocatedVUs: 10,
      maxVUs: 60,
    },
  },
};

export default function () {
  const path = paths[Math.floor(Math.random() * paths.length)];
  http.get(`${target}${path}`, { tags: { name: path }, timeout: '10s' });
}
