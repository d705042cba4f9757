import { contextPrismaConfig } from '../config';

export default contextPrismaConfig('points');
