import { contextPrismaConfig } from '../config';

export default contextPrismaConfig('reading');
