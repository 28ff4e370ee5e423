export { SignInPage } from './SignInPage.js';
