import { DomainError } from '../shared/errors';

type FieldError = { field: string; message: string };

/** The templates module's failures. */
export const TemplateErrors = {
  notFound: () => new DomainError('not_found', 'templates.not_found', 'template not found'),
  slugTaken: () => new DomainError('conflict', 'templates.slug_taken', 'a template with this slug already exists'),
  invalidTemplate: (fields: FieldError[]) =>
    new DomainError(
      'invalid',
      'templates.invalid_template',
      `invalid template: ${fields.map((field) => `${field.field}: ${field.message}`).join('; ')}`,
      fields,
    ),
  invalidValue: (field: string, message: string) =>
    new DomainError('invalid', 'templates.invalid_value', `${field}: ${message}`, [{ field, message }]),
  unknownTemplate: (id: string) =>
    new DomainError('invalid', 'templates.unknown_template', `unknown template id: ${id}`, [
      { field: 'template_id', message: `unknown template id: ${id}` },
    ]),
};
