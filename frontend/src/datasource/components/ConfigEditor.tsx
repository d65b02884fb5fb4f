// The datasource settings page: one component per section.

import { type ConfigProps, sectionProps } from './config/options';
import { JoinSection } from './config/JoinSection';
import { KubernetesSection } from './config/KubernetesSection';
import { MetricsSection } from './config/MetricsSection';
import { NamespacesSection } from './config/NamespacesSection';
import { PrometheusSection } from './config/PrometheusSection';
import { TempoSection } from './config/TempoSection';
import { VerdictSection } from './config/VerdictSection';

export function ConfigEditor(props: ConfigProps) {
  const section = sectionProps(props);
  return (
    <div data-testid="canarylens-config-editor">
      <KubernetesSection {...section} />
      <NamespacesSection {...section} />
      <PrometheusSection {...section} />
      <TempoSection {...section} />
      <JoinSection {...section} />
      <MetricsSection {...section} />
      <VerdictSection {...section} />
    </div>
  );
}
