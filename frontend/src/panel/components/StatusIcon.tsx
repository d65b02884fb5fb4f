// Argo's status icons (✔ ◌ ॥ ✖) drawn as SVG: the glyphs are missing from many fonts.
import type { StatusKind } from '../viewModel';
import { STATUS_ICON } from './status';

export function StatusIcon({ status, color, size = 12 }: { status: StatusKind; color: string; size?: number }) {
  const common = { fill: 'none', stroke: color, strokeWidth: 2, strokeLinecap: 'round' as const };
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" role="img" aria-label={`${STATUS_ICON[status]} ${status}`}>
      {status === 'Healthy' && <path d="M3 8.5 L6.5 12 L13 4.5" {...common} strokeLinejoin="round" />}
      {status === 'Progressing' && <circle cx="8" cy="8" r="5.5" {...common} strokeDasharray="2.2 2.2" />}
      {status === 'Paused' && (
        <>
          <rect x="4" y="3" width="2.5" height="10" rx="0.5" fill={color} />
          <rect x="9.5" y="3" width="2.5" height="10" rx="0.5" fill={color} />
        </>
      )}
      {status === 'Degraded' && <path d="M4 4 L12 12 M12 4 L4 12" {...common} />}
      {status === 'Unknown' && <circle cx="8" cy="8" r="5" {...common} />}
    </svg>
  );
}
