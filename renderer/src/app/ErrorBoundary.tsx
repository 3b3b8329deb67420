import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/**
 * Root boundary: a render crash shows what happened and how to get the drawing back (the autosave
 * is offered on reload) instead of a blank window.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('VXLAN Studio crashed while rendering', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="crash" role="alert">
        <h1>VXLAN Studio hit an internal error</h1>
        <p>Your last changes were autosaved; reload to get them back (you will be offered to recover them).</p>
        <pre className="mono">{this.state.error.message}</pre>
        <button type="button" className="primary" onClick={() => window.location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
