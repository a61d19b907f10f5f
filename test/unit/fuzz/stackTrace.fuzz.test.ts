import { describeStackTraceFuzz } from './stackTraceFuzz';

describeStackTraceFuzz(2000);
