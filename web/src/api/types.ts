/** The shapes the app reads from the first-party operations (router/operations/); KRW amounts are integers, times ISO-8601 UTC. */

export interface BookNode {
  id: string;
  title: string;
  author: string;
  publishedYear: number;
  rentalFee: number;
  availableCopies: number;
}

export interface BooksData {
  books: { edges: { cursor: string; node: BookNode }[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };
}

export interface Availability {
  totalCopies: number;
  availableCopies: number;
  holdsWaiting: number;
  /** Days; null when nothing is known. */
  estimatedWaitDays: number | null;
}

export interface BookAvailabilityData {
  book: { id: string; rentalFee: number; availability: Availability } | null;
}

export type RentalState = 'PENDING_PAYMENT' | 'RENTED' | 'CANCELED' | 'RETURNED' | 'EXPIRED' | 'PAYMENT_DECLINED' | 'PAYMENT_FAILED';
export type PaymentState = 'APPROVED' | 'DECLINED' | 'REFUNDED';

/** RentalStatusFields: a rental as the read model (rental-view) knows it. */
export interface RentalStatus {
  rentalId: string;
  status: RentalState;
  paymentStatus: PaymentState | null;
  bookId: string | null;
  bookTitle: string | null;
  /** The customer's id and name (every rental has them; the app shows them on a manager's pages). */
  customerId?: string | null;
  customerName?: string | null;
  fee: number | null;
  rentedAt: string | null;
  dueAt: string | null;
  returnedAt: string | null;
  canceledAt: string | null;
  updatedAt: string;
}

export interface MyRentalsData {
  myRentals: RentalStatus[];
}

/** RentalFields: the rental aggregate as a mutation answers. */
export interface RentalResult {
  id: string;
  status: RentalState;
  fee: number;
  dueAt: string | null;
}

export type HoldState = 'WAITING' | 'SUSPENDED' | 'READY' | 'FULFILLED' | 'CANCELED' | 'EXPIRED';

/** HoldFields. */
export interface Hold {
  id: string;
  status: HoldState;
  position: number | null;
  queueLength: number;
  placedAt: string;
  readyUntil: string | null;
  autoRent: boolean;
  estimatedWaitDays: number | null;
  book: { id: string; title: string };
}

export interface MyHoldsData {
  myHolds: Hold[];
}

export interface Notification {
  id: string;
  kind: string;
  subject: string;
  body: string;
  createdAt: string;
  deliveredAt: string | null;
}

export interface MyNotificationsData {
  myNotifications: Notification[];
}

export type Role = 'CUSTOMER' | 'MANAGER';

/** Viewer: who is signed in (null without a token). */
export interface ViewerData {
  me: { id: string; name: string; role: Role } | null;
}

/** Book: one book of the catalog with its licensed and free copies. */
export interface BookData {
  book: { id: string; title: string; author: string; publishedYear: number; rentalFee: number; licensedCopies: number; availableCopies: number } | null;
}

/** RegisterBookInput: title 1–300 characters, author 1–200, publishedYear up to this year, rentalFee integer KRW 0–1,000,000, licensedCopies 1–10,000. */
export interface RegisterBookInput {
  title: string;
  author: string;
  publishedYear: number;
  rentalFee: number;
  licensedCopies: number;
}

export interface RegisterBookData {
  registerBook: { id: string; title: string; author: string; publishedYear: number; rentalFee: number; licensedCopies: number };
}

export interface BookRentalsData {
  bookRentals: RentalStatus[];
}
