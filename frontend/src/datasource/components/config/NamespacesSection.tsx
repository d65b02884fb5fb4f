// The namespace allow-list: the only namespaces the datasource reads.
import { Field, TagsInput } from '@grafana/ui';

import type { SectionProps } from './options';
import { Section } from './Section';

export function NamespacesSection({ jsonData, setJson }: SectionProps) {
  const namespaces = jsonData.namespaces ?? [];
  return (
    <Section title="Namespaces">
      <Field
        label="Allowed namespaces"
        description="Queries, pickers and variables only see these namespaces. Empty: every namespace the credentials can list."
      >
        <TagsInput
          id="namespaces"
          width={60}
          placeholder="Add a namespace and press Enter"
          tags={namespaces}
          addOnBlur
          onChange={(tags) => setJson('namespaces', tags.length > 0 ? tags : undefined)}
        />
      </Field>
    </Section>
  );
}
