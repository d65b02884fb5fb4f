// A titled settings section with an optional description, used by every config section.
import { type ReactNode } from 'react';
import { FieldSet, Text } from '@grafana/ui';

export function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <FieldSet label={title} data-testid={`config-section-${title}`}>
      {description ? (
        <div style={{ marginBottom: 12 }}>
          <Text color="secondary">{description}</Text>
        </div>
      ) : null}
      {children}
    </FieldSet>
  );
}
