import { describeChaos } from '../unit/chaos/chaosSuite';

describeChaos(10_000, 1000);
