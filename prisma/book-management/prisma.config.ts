import { contextPrismaConfig } from '../config';

export default contextPrismaConfig('book-management');
