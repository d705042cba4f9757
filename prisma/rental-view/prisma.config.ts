import { contextPrismaConfig } from '../config';

export default contextPrismaConfig('rental-view');
