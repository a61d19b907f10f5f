/**
 * `PollingSource` with a vendor REST client: the PagerDuty, Splunk On-Call and Grafana IRM sources. The base
 * builds one `VendorHttp` (timeouts, body caps, Retry-After, no secrets in errors) from the source's `api()`
 * before the first poll; a URL it refuses is a configuration error (exit 2 with the reason).
 */
import { BridgeConfigError } from '../../server';
import type { SourceContext } from '../types';
import { errorText } from '../../../core/util/errors';
import { PollingSource, type PollingOptions } from './pollingSource';
import { VendorHttp } from './vendorHttp';

/** Options every vendor source takes. */
export interface VendorPollingOptions extends PollingOptions {
  /** Open incidents / alert groups. Default 30 s. */
  pollIntervalMs?: number;
  /** Schedules, policies, on-calls. Default 5 min. */
  onCallIntervalMs?: number;
  /** Tests: Retry-After waits. */
  sleep?: (ms: number) => Promise<void>;
  /** Per request (VendorHttp's default otherwise). */
  timeoutMs?: number;
}

const DEFAULT_POLL_INTERVAL_MS = 30_000;
const DEFAULT_ONCALL_INTERVAL_MS = 300_000;

export interface VendorApi {
  baseUrl: string;
  /** Sent with every request; hold the credentials (never logged). */
  headers: Record<string, string>;
}

export abstract class VendorPollingSource<Id extends string = string> extends PollingSource<Id> {
  private _http: VendorHttp | undefined;

  /** `vendor` names the source in messages: "PagerDuty GET /incidents: HTTP 500". */
  protected constructor(
    private readonly _vendor: string,
    private readonly _vendorOpts: VendorPollingOptions,
  ) {
    super(_vendor, _vendorOpts);
  }

  /** Where the vendor's API is and how to authenticate. Called once, at start. */
  protected abstract api(): VendorApi;

  protected get http(): VendorHttp {
    return this.need(this._http);
  }

  protected get pollIntervalMs(): number {
    return this._vendorOpts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  protected get onCallIntervalMs(): number {
    return this._vendorOpts.onCallIntervalMs ?? DEFAULT_ONCALL_INTERVAL_MS;
  }

  /** Builds the client; a source that overrides this calls `super.prepare(ctx)` first. */
  protected override prepare(ctx: SourceContext): void {
    try {
      this._http = new VendorHttp({
        vendor: this._vendor,
        ...this.api(),
        logger: ctx.logger,
        ...(ctx.observeVendorCall ? { observe: ctx.observeVendorCall } : {}),
        ...(this._vendorOpts.sleep ? { sleep: this._vendorOpts.sleep } : {}),
        ...(this._vendorOpts.timeoutMs ? { timeoutMs: this._vendorOpts.timeoutMs } : {}),
      });
    } catch (e) {
      throw new BridgeConfigError(errorText(e));
    }
  }
}
