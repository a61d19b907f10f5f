import { describeWebhookFuzz } from './webhookFuzz';

describeWebhookFuzz(600);
