import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure } from './api.js';
import type { FailureCode } from './api.js';

export interface Resource<T> {
  data: T | null;
  /** A sentence to show when the last load failed (the previous data stays visible). */
  error: string | null;
  /** Why the last load failed; `not_found` when this server does not offer the route at all. */
  failure: FailureCode | null;
  loading: boolean;
  /** Replaces the data with what a change returned (a save), without loading again. */
  set: (value: T) => void;
  reload: () => void;
}

/** Loads something from the API on mount and on `reload()`; answers that arrive out of order are dropped. */
export function useResource<T>(load: () => Promise<T>): Resource<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [failure, setFailure] = useState<FailureCode | null>(null);
  const [loading, setLoading] = useState(true);
  const latest = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  const reload = useCallback(() => {
    const request = ++latest.current;
    setLoading(true);
    loader
      .current()
      .then((value) => {
        if (request !== latest.current) return;
        setData(value);
        setError(null);
        setFailure(null);
      })
      .catch((failure: unknown) => {
        if (request !== latest.current) return;
        setError(failure instanceof ApiFailure ? failure.message : 'Could not load this list. Try again in a moment.');
        setFailure(failure instanceof ApiFailure ? failure.code : 'internal');
      })
      .finally(() => {
        if (request === latest.current) setLoading(false);
      });
  }, []);

  useEffect(() => {
    reload();
    return () => {
      latest.current += 1;
    };
  }, [reload]);

  const set = useCallback((value: T) => {
    latest.current += 1;
    setData(value);
    setError(null);
    setFailure(null);
    setLoading(false);
  }, []);

  return { data, error, failure, loading, reload, set };
}
