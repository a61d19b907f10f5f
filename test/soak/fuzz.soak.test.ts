import { describeBridgeFuzz } from '../unit/fuzz/bridgeFuzz';
import { describeDecoderFuzz } from '../unit/fuzz/decoderFuzz';
import { describeStackTraceFuzz } from '../unit/fuzz/stackTraceFuzz';
import { describeWebhookFuzz } from '../unit/fuzz/webhookFuzz';

describeDecoderFuzz(100_000);
describeBridgeFuzz(100_000);
describeStackTraceFuzz(100_000);
describeWebhookFuzz(20_000);
