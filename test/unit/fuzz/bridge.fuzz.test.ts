import { describeBridgeFuzz } from './bridgeFuzz';

describeBridgeFuzz(1000);
