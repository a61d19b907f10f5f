import { describeDecoderFuzz } from './decoderFuzz';

describeDecoderFuzz(5000);
