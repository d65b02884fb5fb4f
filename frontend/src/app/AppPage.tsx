// The app's page: what Canary Lens contains and how to start.
import type { AppRootProps } from '@grafana/data';
import { Stack, Text, TextLink } from '@grafana/ui';

export function AppPage(_props: AppRootProps) {
  return (
    <Stack direction="column" gap={2}>
      <Text element="h2">Canary Lens</Text>
      <Text>
        Argo Rollouts canaries joined with per-revision Prometheus metrics and Tempo traces. This app ships two
        plugins:
      </Text>
      <ul style={{ marginLeft: 24 }}>
        <li>
          <Text weight="medium">Canary Lens datasource</Text>: rollouts, steps, analysis runs, canary vs stable
          metrics, traffic split, traces, a statistical verdict and rollout events as annotations.
        </li>
        <li>
          <Text weight="medium">Canary Lens rollout panel</Text>: status, step timeline, weights, revisions, verdict
          and a link to the canary&apos;s traces.
        </li>
      </ul>
      <Text>
        Start by <TextLink href="/connections/datasources/new" inline>adding a Canary Lens datasource</TextLink>, then
        build a dashboard with the rollout panel.
      </Text>
    </Stack>
  );
}
