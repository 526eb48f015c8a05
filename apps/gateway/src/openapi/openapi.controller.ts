import { Controller, Get, Header } from '@nestjs/common';
import { DiscoveryService, HttpAdapterHost, MetadataScanner } from '@nestjs/core';
import { Public } from '../auth/access';
import { servedRoutes } from '../http/served-routes';
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from './docs-page';
import { openApiDocument } from './openapi';

/** The API's OpenAPI 3.1 document, generated from the router once (routes do not change while running), and a page that reads it. */
@Controller('api')
@Public()
export class OpenApiController {
  private document?: Record<string, unknown>;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get('openapi.json')
  openapi(): Record<string, unknown> {
    this.document ??= openApiDocument(
      servedRoutes({ discovery: this.discovery, scanner: this.scanner, adapterHost: this.adapterHost }),
      '1',
    );
    return this.document;
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  docs(): string {
    return DOCS_HTML;
  }

  @Get('docs/docs.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return DOCS_JS;
  }

  @Get('docs/docs.css')
  @Header('content-type', 'text/css; charset=utf-8')
  style(): string {
    return DOCS_CSS;
  }
}
